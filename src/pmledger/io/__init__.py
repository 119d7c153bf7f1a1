"""Moving requirements in and out: CSV, XLSX, JSON/JSONL and tracker exports.

Export turns requirements into flat cells (:mod:`.columns`) written by one
module per format family (:mod:`.csvfile`, :mod:`.xlsxfile`, :mod:`.jsonfile`).
Import reads a file into :class:`~.records.Record` rows (trackers are read by
:mod:`.trackers`), maps columns and values (:mod:`.mapping`), converts cells
(:mod:`.values`), and the
planner (:mod:`.planner`) validates every row into create / update actions
before anything is written.
"""
