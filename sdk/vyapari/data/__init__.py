"""vyapari.data: exchange file parsers, validation, the lake (local or S3), minute bars, sample data.

Main entry points:

* :class:`vyapari.data.lake.Lake` — ``ingest_file``, ``read_daily_bars``, ``read_minute_bars``,
  ``write_minute_bars`` over an :class:`vyapari.data.storage.ObjectStore`;
* :func:`vyapari.data.formats.detect_format` and :func:`vyapari.data.parsers.parse`;
* :func:`vyapari.data.bars.read_bar_folder` for per-symbol bar files;
* :func:`vyapari.data.minute_bars.build_minute_bars` / ``resample_bars`` and the tick store;
* :func:`vyapari.data.sample.generate_sample` for the demo data set.
"""
