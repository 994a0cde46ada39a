"""The portal: departments submit returns on-line and read their 审核结果 at once; the office follows the month live.

The top layer: it calls flows, reports and the warehouse, and nothing imports it. Its commands (``statreturns web``,
``statreturns users``) reach the CLI through the ``statreturns.commands`` entry point group.
"""
