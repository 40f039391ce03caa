"""The double-entry journal (记账): accounts, balanced entries, reversals, interest, verification.

Other packages use :mod:`flexcover.ledger.service` only.
"""
