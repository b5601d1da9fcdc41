"""Distributed, site-pinned scanning on Dask (``trueoem scan --dask ADDRESS --site NAME=CIDR,...``).

* :mod:`trueoem.dscan.sites` parses ``--site`` specs and maps each target to its site (a target in no
  site is refused);
* :mod:`trueoem.dscan.task` is what a worker runs: the ordinary scan engine on one batch, raw results
  back;
* :mod:`trueoem.dscan.run` is the ``trueoem scan`` side: batches pinned to each site's workers by the
  Dask resource ``site-NAME``, results attributed and stored in one store, lost workers and sites
  handled so no target is silently lost.

Workers join a site by their resource: ``dask worker tcp://SCHEDULER:8786 --resources "site-hq=1"``
(one batch at a time per unit). They need trueoem installed (same version), nothing else.
"""

from __future__ import annotations

from trueoem.dscan.run import BatchRecord, DistributedError, DistributedTotals, run_distributed_scan
from trueoem.dscan.sites import (
    Site,
    SiteError,
    assign_sites,
    parse_sites,
    resource_name,
    site_of,
    site_targets,
    sites_from_params,
    sites_to_params,
)
from trueoem.dscan.task import BatchOutcome, scan_batch

__all__ = [
    "BatchOutcome",
    "BatchRecord",
    "DistributedError",
    "DistributedTotals",
    "Site",
    "SiteError",
    "assign_sites",
    "parse_sites",
    "resource_name",
    "run_distributed_scan",
    "scan_batch",
    "site_of",
    "site_targets",
    "sites_from_params",
    "sites_to_params",
]
