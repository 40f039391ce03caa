"""Flexible workers' contributions: enrolments, bases, bills, payments, pauses, make-ups, subsidies,
platform co-contributions and month-end settlement."""
