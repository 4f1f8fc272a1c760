"""How long each kind of record is kept, and the floors an admin cannot go below (issue 26; pure).

- Photos of the center (their bytes): ``photo_years`` after the day is signed, then deleted; their
  hash, category and capture time stay, so the signed payload still names what was signed. The
  floor is one year: the year's hand-over package (docs/ARCHIVES.md) must be made while the photos
  are there, and the city may return a report for correction within the year. The default, five
  years, is the retention period of the reports the photos belong to.
- Sign-in attempts and the record of who opened a photo, a PDF or a package: ``log_months``, at
  least three months (the floor of the information-security rules for a level-2 system, Decree
  85/2016/NĐ-CP and TCVN 11930:2017; a province that classed its systems higher sets more).
- The audit log, signed revisions, month documents, PDFs, keys and certificates are never purged
  here: they are what a signed document needs to verify, and the archive's to dispose of.
"""

from __future__ import annotations

import datetime as dt

PHOTO_YEARS_MIN, PHOTO_YEARS_MAX, PHOTO_YEARS_DEFAULT = 1, 50, 5
LOG_MONTHS_MIN, LOG_MONTHS_MAX, LOG_MONTHS_DEFAULT = 3, 120, 12


def years_before(moment: dt.datetime, years: int) -> dt.datetime:
    """The same moment ``years`` earlier (29 February becomes the 28th)."""
    try:
        return moment.replace(year=moment.year - years)
    except ValueError:
        return moment.replace(year=moment.year - years, day=28)


def months_before(moment: dt.datetime, months: int) -> dt.datetime:
    """The same moment ``months`` earlier, on the last day of a shorter month."""
    index = moment.year * 12 + moment.month - 1 - months
    year, month = divmod(index, 12)
    month += 1
    for day in (moment.day, 30, 29, 28):
        try:
            return moment.replace(year=year, month=month, day=day)
        except ValueError:
            continue
    raise ValueError(f"no day in {year}-{month:02d}")
