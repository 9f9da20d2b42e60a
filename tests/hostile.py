"""Hostile upload files, built by the tests themselves (each small on disk).

Every builder starts from the real Florida schools fixture
(``tests/fixtures/ingest/good``, HIFLD public schools) so the files are otherwise
ordinary site lists; only the part named in the builder is hostile.
"""
from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pandas as pd

GOOD = Path(__file__).resolve().parent / "fixtures" / "ingest" / "good"
FAR_CELL = "XFD1048576"  # the last cell of an Excel sheet


def _rewrite_member(source: Path, target: Path, member: str, change) -> None:
    """Copy the zip ``source`` to ``target`` with ``member``'s text passed through ``change``."""
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == member:
                data = change(data.decode("utf-8")).encode("utf-8")
            dst.writestr(info.filename, data)


def sites_xlsx(path: Path, *, sheets: int = 1) -> Path:
    """The Florida sites as an ordinary workbook (``sheets`` sheets, the sites on the first)."""
    from openpyxl import Workbook

    frame = pd.read_csv(GOOD / "fl_sites.csv", dtype=str, keep_default_na=False)
    book = Workbook()
    sheet = book.active
    sheet.title = "sites"
    sheet.append(list(frame.columns))
    for record in frame.itertuples(index=False):
        sheet.append(list(record))
    for n in range(2, sheets + 1):
        book.create_sheet(f"notes {n}")["A1"] = "notes"
    book.save(path)
    return path


def xlsx_huge_dimension(path: Path, *, far_cell: bool) -> Path:
    """An ordinary workbook whose sheet declares ``A1:XFD1048576`` as its size.

    With ``far_cell`` the sheet also holds one number in that last cell, so the data
    really reaches column 16,384 and row 1,048,576 (the file stays a few KB).
    """
    plain = sites_xlsx(path.with_name(path.stem + "_plain.xlsx"))

    def change(xml: str) -> str:
        xml = re.sub(r'<dimension ref="[^"]*"\s*/>', f'<dimension ref="A1:{FAR_CELL}"/>', xml)
        if far_cell:
            xml = xml.replace("</sheetData>",
                              f'<row r="1048576"><c r="{FAR_CELL}"><v>1</v></c></row></sheetData>')
        return xml

    _rewrite_member(plain, path, "xl/worksheets/sheet1.xml", change)
    plain.unlink()
    return path


def xlsx_with_dtd(path: Path) -> Path:
    """A workbook whose sheet XML starts with a DTD of nested entities (a "billion
    laughs"), one of them used in a header cell."""
    plain = sites_xlsx(path.with_name(path.stem + "_plain.xlsx"))
    # Nine levels of ten: the innermost text would expand to 10**9 letters.
    entities = ['<!ENTITY e0 "aaaaaaaaaa">'] + [
        f'<!ENTITY e{i} "{("&e" + str(i - 1) + ";") * 10}">' for i in range(1, 9)]
    dtd = "<!DOCTYPE worksheet [" + "".join(entities) + "]>"

    def change(xml: str) -> str:
        if xml.startswith("<?xml"):
            head, sep, rest = xml.partition("?>")
            xml = rest
        return dtd + xml.replace("<t>NAME</t>", "<t>&e8;</t>", 1)

    _rewrite_member(plain, path, "xl/worksheets/sheet1.xml", change)
    plain.unlink()
    return path


def xlsx_with_dtd_in_workbook_part(path: Path) -> Path:
    """A workbook whose ``xl/workbook.xml`` (where the sheet names are) starts with a DTD
    declaring one harmless entity, used as the first sheet's name: whatever reads the
    sheet names before the DTD check gets the entity expanded."""
    plain = sites_xlsx(path.with_name(path.stem + "_plain.xlsx"))

    def change(xml: str) -> str:
        if xml.startswith("<?xml"):
            xml = xml.partition("?>")[2]
        return ('<!DOCTYPE workbook [<!ENTITY n "expanded">]>'
                + xml.replace('name="sites"', 'name="&n;"', 1))

    _rewrite_member(plain, path, "xl/workbook.xml", change)
    plain.unlink()
    return path


def parquet_many_rows(path: Path, *, rows: int, chunk: int = 1_000_000) -> Path:
    """A Parquet file of ``rows`` rows of one repeated site (dictionary-encoded: tiny)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    frame = pd.read_csv(GOOD / "fl_sites.csv", dtype=str, keep_default_na=False).head(1)
    one = pa.Table.from_pandas(frame, preserve_index=False)
    with pq.ParquetWriter(path, one.schema, compression="zstd") as writer:
        left = rows
        while left > 0:
            n = min(chunk, left)
            writer.write_table(pa.concat_tables([one] * n) if n < 64 else
                               one.take(pa.array([0] * n, type=pa.int32())))
            left -= n
    return path


def shapefile_zip_bomb(path: Path, *, unpacked_mb: int) -> Path:
    """The Florida sites' zipped Shapefile plus a ``.sbn`` side file of ``unpacked_mb`` MB of
    zeros (it compresses about 1000:1, so the zip stays small)."""
    source = GOOD / "fl_sites_shp.zip"
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        stem = next(n for n in src.namelist() if n.lower().endswith(".shp"))[:-4]
        for info in src.infolist():
            dst.writestr(info.filename, src.read(info))
        block = bytes(1024 * 1024)
        with dst.open(stem + ".sbn", "w", force_zip64=True) as member:
            for _ in range(unpacked_mb):
                member.write(block)
    return path


def zip_with_bad_crc(source: Path, target: Path, member_suffix: str) -> Path:
    """A copy of the zip ``source`` whose member ending in ``member_suffix`` is stored
    uncompressed with one byte changed, so its CRC-32 no longer matches."""
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(target, "w", zipfile.ZIP_STORED) as dst:
        names = [i.filename for i in src.infolist()]
        for info in src.infolist():
            dst.writestr(info.filename, src.read(info))
    chosen = next(n for n in names if n.endswith(member_suffix))
    with zipfile.ZipFile(target) as zf:
        info = zf.getinfo(chosen)
        raw = bytearray(target.read_bytes())
        # local header: 30 bytes + name + extra, then the stored bytes
        name_len = int.from_bytes(raw[info.header_offset + 26:info.header_offset + 28], "little")
        extra_len = int.from_bytes(raw[info.header_offset + 28:info.header_offset + 30], "little")
        start = info.header_offset + 30 + name_len + extra_len
        position = start + info.file_size // 2
        raw[position] ^= 0xFF
    target.write_bytes(bytes(raw))
    return target
