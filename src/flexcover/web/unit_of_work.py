"""One unit of work per request: the route opens it, the endpoint's services use it, and it is
committed before the response leaves, or rolled back if the endpoint raised.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.routing import APIRoute
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from flexcover.kit.database import bound_lock_waits, is_busy

BUSY_RETRIES = 2
"""A request that found the database busy is run again this many times (after 50 and 100 ms)
when running it again is safe: a read, or a write that carries an Idempotency-Key."""


class UnitOfWorkRoute(APIRoute):
    """An APIRoute whose handler runs inside a database unit of work."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def in_unit_of_work(request: Request) -> Response:
            attempt = 0
            while True:
                session: Session = request.app.state.database.sessions()
                request.state.db_session = session
                try:
                    await run_in_threadpool(bound_lock_waits, session)
                    response = await handler(request)
                    if response.status_code < 400:
                        await run_in_threadpool(session.commit)
                    else:
                        await run_in_threadpool(session.rollback)
                    return response
                except BaseException as error:
                    await run_in_threadpool(session.rollback)
                    if attempt < BUSY_RETRIES and is_busy(error) and _may_retry(request):
                        attempt += 1
                        await asyncio.sleep(0.05 * attempt)
                        continue
                    raise
                finally:
                    await run_in_threadpool(session.close)

        return in_unit_of_work


def _may_retry(request: Request) -> bool:
    """Whether running the request again cannot do twice what was meant once (everything it
    did was rolled back; only its effects outside the database would repeat)."""
    return request.method in ("GET", "HEAD") or "idempotency-key" in request.headers


def db_session(request: Request) -> Session:
    """The request's session (only on routes of :class:`UnitOfWorkRoute`)."""
    session: Session = request.state.db_session
    return session
