"""The web desk (``xltemplates serve``): townships check and hand in their workbooks, the bureau watches the round.

Needs the optional extra ``xltemplates[web]`` (Starlette, uvicorn, python-multipart).
"""

from .app import create_app
from .desk import DeskConfig

__all__ = ["DeskConfig", "create_app"]
