"""Tables of activities: vectorised decisions over pandas frames, CSV/Parquet files and Dask
(:mod:`.bulk`). Needs the ``bulk`` extra.
"""
