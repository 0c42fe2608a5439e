"""The survey metrics as the survey tests call them: one home, reports.metrics (with the
dashboard's filters); surveys/ sits below reports/ and does not import it."""

import datetime as dt

from reports.metrics import Scope
from reports.metrics import ces as _ces
from reports.metrics import csat as _csat
from reports.metrics import nps as _nps
from reports.metrics import response_rate as _response_rate


def nps(*, start: dt.datetime, end: dt.datetime):
    return _nps(Scope(start, end))


def csat(*, start: dt.datetime, end: dt.datetime):
    return _csat(Scope(start, end))


def ces(*, start: dt.datetime, end: dt.datetime):
    return _ces(Scope(start, end))


def response_rate(*, start: dt.datetime, end: dt.datetime) -> float | None:
    return _response_rate(Scope(start, end)).value
