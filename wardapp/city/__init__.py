"""The city intake: receives and verifies the communes' signed daily reports (PROTOCOL.md).

Beside the commune app, on the kernel alone; its factory is ``wardapp.city.app.create_app``.
"""
