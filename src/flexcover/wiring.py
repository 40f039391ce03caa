"""The composition root's one job outside the web app: connect the capabilities' listeners to
the events others publish (``kit.events``), so that no capability imports the one it informs.

- ``person.enrolled``, published by ``contributions.service.enrol``, is heard by
  ``coverage.service.on_person_enrolled``: 扩面转化, the person's open tasks are converted.
"""

from __future__ import annotations

from flexcover.kit import events


def connect() -> None:
    """Subscribe every listener (idempotent). The web app, the command line and the tests call
    it before any work."""
    from flexcover.coverage import service as coverage

    events.subscribe(events.PERSON_ENROLLED, coverage.on_person_enrolled)
