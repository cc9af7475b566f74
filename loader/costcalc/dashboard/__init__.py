"""The published dashboard: a static site of the standard reports (``costcalc publish DIR``).

Not to be confused with *publishing the marts* (``costcalc.transform.publish``),
the last step of ``costcalc build`` that makes the marts snapshot the reports
read. The dashboard is rendered *from* that snapshot: it opens it read-only with
``reports.connect_published`` and never reads the ``restricted`` schema, so it
holds no personal data by construction (pseudonymous client ids only).

- ``trends``: spend per service by month and by financial year;
- ``slugs``: safe, stable, unique file names for the per-service pages;
- ``pages``: which pages there are and what each shows (:data:`pages.STANDARD_PAGES`);
- ``site``: rendering every page into a new folder and swapping it in whole.
"""

from costcalc.dashboard.site import DashboardError, publish_site

__all__ = ["DashboardError", "publish_site"]
