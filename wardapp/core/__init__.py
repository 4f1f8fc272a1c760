"""The kernel both apps stand on: the report's figures, rates and rules, the 766 table, the deadline,
periods, the signed payload and its schema, push verification, the PDF builders, image checks, the
official units, and small tools (atomic files, tokens, security headers, settings, i18n).

No Flask app and no database session here: plain data in, plain data (or bytes) out.
"""
