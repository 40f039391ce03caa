"""One unit of work per request: the route opens it, the endpoint's services use it, and it is
committed before the response leaves, or rolled back if the endpoint raised.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.routing import APIRoute
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool


class UnitOfWorkRoute(APIRoute):
    """An APIRoute whose handler runs inside a database unit of work."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def in_unit_of_work(request: Request) -> Response:
            session: Session = request.app.state.database.sessions()
            request.state.db_session = session
            try:
                response = await handler(request)
                if response.status_code < 400:
                    await run_in_threadpool(session.commit)
                else:
                    await run_in_threadpool(session.rollback)
                return response
            except BaseException:
                await run_in_threadpool(session.rollback)
                raise
            finally:
                await run_in_threadpool(session.close)

        return in_unit_of_work


def db_session(request: Request) -> Session:
    """The request's session (only on routes of :class:`UnitOfWorkRoute`)."""
    session: Session = request.state.db_session
    return session
