"""The PDFs the city serves: the communes' signed reports and the department's own."""
