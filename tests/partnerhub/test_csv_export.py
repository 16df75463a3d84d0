"""partnerhub/csv_export.py: what a spreadsheet reads from every list's CSV export."""

import csv
import io
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from partnerhub.csv_export import BOM, cell, csv_response, is_formula

from ..factories import UserFactory


def exported(rows, header=("a", "b", "c")) -> tuple[bytes, list[list[str]]]:
    response = csv_response("x.csv", header, rows)
    body = b"".join(response.streaming_content)
    return body, list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


class TestFormulas:
    @pytest.mark.parametrize(
        "value",
        ["+41 44 123 45 67", "-3620.00", "+1-555-0100", "-", "+41 (0)44 500 00 00", "-1'200.50", "Zürich", "a=b", "x;=1+1;y"],
    )
    def test_values_stay_values(self, value):
        assert not is_formula(value)
        assert cell(value) == value

    @pytest.mark.parametrize(
        "value",
        ["=1+1", "@SUM(A1)", "+A1", "-cmd|' /C calc'!A0", '+HYPERLINK("http://x")', "\t=1", "\r=1", "-1+SUM(A1)"],
    )
    def test_real_formulas_are_defused(self, value):
        assert is_formula(value)
        assert cell(value) == "'" + value


class TestCells:
    def test_times_are_zurich_without_offset_or_microseconds(self):
        at = datetime(2026, 11, 30, 0, 19, 7, 123456, tzinfo=UTC)
        assert cell(at) == "2026-11-30 01:19:07"

    def test_dates_decimals_people_and_none(self, db):
        assert cell(date(2026, 11, 30)) == "2026-11-30"
        assert cell(Decimal("-3620.00")) == "-3620.00"
        assert cell(None) == ""
        assert cell(UserFactory(username="mmuster", first_name="Maria", last_name="Muster")) == "Maria Muster"
        assert cell(UserFactory(username="noname", first_name="", last_name="")) == "noname"


class TestResponse:
    def test_utf8_with_bom_and_every_cell_quoted(self):
        body, rows = exported([["Zürich", "+41 44 123 45 67", Decimal("-3620.00")], ["x;=1+1;y", "=1+1", None]])
        assert body.startswith(BOM.encode("utf-8"))
        assert body.decode("utf-8-sig").splitlines()[1] == '"Zürich","+41 44 123 45 67","-3620.00"'
        assert '"x;=1+1;y"' in body.decode("utf-8-sig")
        assert rows == [["a", "b", "c"], ["Zürich", "+41 44 123 45 67", "-3620.00"], ["x;=1+1;y", "'=1+1", ""]]
        assert body.count(BOM.encode("utf-8")) == 1


@pytest.mark.django_db
def test_contact_export_keeps_phones_umlauts_and_the_manager_by_name(manager_client):
    from django.urls import reverse

    from ..factories import ContactFactory, PartnerFactory

    manager = UserFactory(username="pm", first_name="Petra", last_name="Meier")
    partner = PartnerFactory(name="Léman Cloud Partners SA", manager=manager)
    ContactFactory(partner=partner, first_name="Zoë", last_name="Zürcher", phone="+41 44 123 45 67")
    response = manager_client.get(reverse("partners:contacts"), {"format": "csv"})
    body = b"".join(response.streaming_content)
    assert body.startswith(BOM.encode())
    text = body.decode("utf-8-sig")
    assert '"+41 44 123 45 67"' in text and "'+41" not in text
    assert "Zürcher" in text and "Léman Cloud Partners SA" in text
    partners = b"".join(manager_client.get(reverse("partners:list"), {"format": "csv"}).streaming_content).decode("utf-8-sig")
    assert "Petra Meier" in partners and '"pm"' not in partners


class TestCsvColumns:
    """Columns declared once (`<app>/exports.py`) give the same bytes as the header and rows written out."""

    def test_columns_render_like_header_and_rows(self):
        from partnerhub.csv_export import Column, CsvColumns, yes_no

        columns = CsvColumns(
            Column("Name", lambda row: row["name"]),
            Column("Since", lambda row: row["since"]),
            Column("Active", lambda row: yes_no(row["active"])),
        )
        objects = [{"name": "=Zürich AG", "since": date(2026, 11, 30), "active": True}, {"name": "B", "since": None, "active": 0}]
        response = columns.response("x.csv", objects)
        body = b"".join(response.streaming_content)
        expected, _ = exported([["=Zürich AG", date(2026, 11, 30), "yes"], ["B", None, "no"]], header=("Name", "Since", "Active"))
        assert body == expected
        assert body.startswith(BOM.encode()) and b'"\'=Z\xc3\xbcrich AG","2026-11-30","yes"' in body
        assert response["Content-Disposition"] == 'attachment; filename="x.csv"'
        assert columns.header == ["Name", "Since", "Active"]
