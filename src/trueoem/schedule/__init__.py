"""Scheduled scans and alerts.

* :mod:`~trueoem.schedule.spec`: timing specs (``every 6h``, ``daily at 02:30 Europe/Paris``).
* :mod:`~trueoem.schedule.model`: schedules stored in the store (add, list, get, remove, enable).
* :mod:`~trueoem.schedule.runner`: :func:`run_once` (one testable tick) and :func:`run_forever`.
* :mod:`~trueoem.schedule.alerts`: rules (new covered asset, verdict change), channels, dispatch.
* :mod:`~trueoem.schedule.channels`: webhook (HMAC-signed), syslog (RFC 5424), e-mail (SMTP).
* :mod:`~trueoem.schedule.text`: neutralising device-controlled strings.

See docs/schedule.md.
"""

from __future__ import annotations

from trueoem.schedule.alerts import (
    ALERT_VERDICTS,
    Alert,
    AlertChannel,
    AlertError,
    DispatchReport,
    add_channel,
    deliveries,
    dispatch,
    get_channel,
    list_channels,
    remove_channel,
    retry_failed,
    sample_alert,
    scan_alerts,
    send_test_alert,
)
from trueoem.schedule.channels import ChannelError, make_channel, verify_signature
from trueoem.schedule.model import (
    Schedule,
    ScheduleError,
    add_schedule,
    get_schedule,
    list_schedules,
    remove_schedule,
    set_enabled,
)
from trueoem.schedule.runner import RunReport, run_forever, run_once
from trueoem.schedule.spec import Spec, SpecError, parse_spec

__all__ = [
    "ALERT_VERDICTS",
    "Alert",
    "AlertChannel",
    "AlertError",
    "ChannelError",
    "DispatchReport",
    "RunReport",
    "Schedule",
    "ScheduleError",
    "Spec",
    "SpecError",
    "add_channel",
    "add_schedule",
    "deliveries",
    "dispatch",
    "get_channel",
    "get_schedule",
    "list_channels",
    "list_schedules",
    "make_channel",
    "parse_spec",
    "remove_channel",
    "remove_schedule",
    "retry_failed",
    "run_forever",
    "run_once",
    "sample_alert",
    "scan_alerts",
    "send_test_alert",
    "set_enabled",
    "verify_signature",
]
