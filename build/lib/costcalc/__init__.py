"""costcalc: what public services spend on each person, across departments.

The Python side is thin: it validates providers' spreadsheets and lands raw
rows in the warehouse (``costcalc.ingest.landing``), runs dbt (``costcalc.transform.build``)
and reads the marts for people without a BI tool (``costcalc.reports``).
"""

__version__ = "0.1.0"
