"""What became of a return, in the words the office and the departments read."""
from __future__ import annotations

# one row of `submissions` per return: its status there, and its name for people
SUBMISSION_STATUSES = {"accepted": "受理", "rejected": "退回", "duplicate": "重复", "superseded": "被更正"}
# the same statuses as the verdict on one file (the portal, a file's result page)
SUBMISSION_VERDICTS = {"accepted": "已受理", "rejected": "退回", "duplicate": "重复报送", "superseded": "已被更正版替代"}
