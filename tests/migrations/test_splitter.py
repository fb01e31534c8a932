"""The SQL splitter: statements, their lines, and the quoting rules that hide semicolons."""

import pytest

from core.errors import SQLError
from core.pg.migrations import split_sql
from core.pg.migrations.classify import StatementKind, classify


def texts(sql: str) -> list[str]:
    return [s.text for s in split_sql(sql)]


def test_plain_statements_and_lines():
    stmts = split_sql("create table a (id int);\n\ninsert into a values (1);\nselect 1")
    assert [s.text for s in stmts] == ["create table a (id int)", "insert into a values (1)", "select 1"]
    assert [s.line for s in stmts] == [1, 3, 4]


def test_comments_hide_semicolons_and_do_not_start_statements():
    sql = "-- a; b\n/* x; /* nested; */ still; */ select 1; -- tail;\n"
    stmts = split_sql(sql)
    assert [s.text for s in stmts] == ["select 1"]
    assert stmts[0].line == 2


def test_single_quotes_e_strings_and_identifiers():
    sql = "select 'a;''b'; select E'it\\'s;'; select \"we;\"\"ird\" from t; select 2"
    assert texts(sql) == ["select 'a;''b'", "select E'it\\'s;'", 'select "we;""ird" from t', "select 2"]


def test_standard_string_backslash_is_not_an_escape():
    assert texts("select 'a\\'; select 1") == ["select 'a\\'", "select 1"]


def test_dollar_quoting_with_tags_and_lines():
    sql = ("create function f() returns int as $fn$\nbegin\n  perform 1; return $$x;$$::int;\nend\n$fn$ "
           "language plpgsql;\nselect $1;\nselect 3")
    stmts = split_sql(sql)
    assert len(stmts) == 3
    assert stmts[0].end_line == 5 and stmts[1].line == 6 and stmts[2].line == 7


def test_identifier_with_dollar_is_not_a_dollar_quote():
    assert texts("select a$b$ from t; select 1") == ["select a$b$ from t", "select 1"]


def test_begin_atomic_body_keeps_its_semicolons():
    sql = ("create or replace function f() returns int language sql\nbegin atomic\n"
           "  select case when true then 1 else 2 end;\n  select 1;\nend;\nselect 2;")
    stmts = split_sql(sql)
    assert len(stmts) == 2 and stmts[0].text.endswith("end") and stmts[1].line == 6


def test_first_line_offset():
    assert split_sql("\nselect 1", first_line=10)[0].line == 11


@pytest.mark.parametrize("sql,what", [("select 'abc", "string"), ("select $x$ abc", "dollar"),
                                      ('select "abc', "quoted identifier"), ("/* never closed", "comment")])
def test_unterminated_constructs_are_errors_with_a_line(sql, what):
    with pytest.raises(SQLError) as ei:
        split_sql("select 1;\n" + sql, path="m.sql")
    assert what in ei.value.message and ei.value.line == 2 and ei.value.path == "m.sql"
    assert ei.value.exit_code == 2


def test_restrict_lines_dropped_other_meta_commands_refused():
    assert texts("\\restrict abc\nselect 1;\n\\unrestrict abc\n") == ["select 1"]
    with pytest.raises(SQLError) as ei:
        split_sql("select 1;\n\\connect other\n")
    assert ei.value.line == 2 and "meta-command" in ei.value.message


@pytest.mark.parametrize("sql,kind", [
    ("create index concurrently i on t (a)", StatementKind.NON_TRANSACTIONAL),
    ("CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS i ON t (a)", StatementKind.NON_TRANSACTIONAL),
    ("drop index concurrently i", StatementKind.NON_TRANSACTIONAL),
    ("reindex (verbose) index concurrently i", StatementKind.NON_TRANSACTIONAL),
    ("vacuum analyze t", StatementKind.NON_TRANSACTIONAL),
    ("alter system set work_mem = '8MB'", StatementKind.NON_TRANSACTIONAL),
    ("create database x", StatementKind.NON_TRANSACTIONAL),
    ("alter table p detach partition c concurrently", StatementKind.NON_TRANSACTIONAL),
    ("create index i on t (a)", StatementKind.TRANSACTIONAL),
    ("alter type mood add value 'meh'", StatementKind.TRANSACTIONAL),
    ("begin", StatementKind.TRANSACTION_CONTROL),
    ("commit", StatementKind.TRANSACTION_CONTROL),
    ("/* c */ Create /* x */ Index Concurrently i on t(a)", StatementKind.NON_TRANSACTIONAL),
])
def test_classification(sql, kind):
    assert classify(split_sql(sql)[0]) is kind


def test_long_statements_keep_quoting_rules_after_the_head_words():
    """Past the first words the splitter skips ahead; quotes and E'' strings must still hide ';'."""
    values = ", ".join(f"({i}, 'a;{i}', E'b\\';{i}', \"c;\" , $$d;$$)" for i in range(50))
    sql = f"insert into t (a, b, c, d, e, f, g, h, i, j, k, l, m, n, o, p, q) values\n{values};\nselect 1"
    stmts = split_sql(sql)
    assert len(stmts) == 2 and stmts[1].text == "select 1" and stmts[1].line == 3


def test_large_input_is_split_quickly_enough_to_finish():
    rows = ",\n".join(f"({i}, 'name {i} with ''quote''', E'esc\\\\n {i}')" for i in range(500))
    text = "\n".join(f"INSERT INTO public.t (id, name, e) VALUES\n{rows};" for _ in range(20))
    stmts = split_sql(text)
    assert len(stmts) == 20 and stmts[1].line == 502


def test_copy_from_stdin_carries_its_data():
    sql = ("create table t (a int, b text);\nCOPY public.t (a, b) FROM stdin;\n1\tx;y\n2\t'q\n\\.\n"
           "select 1;\n")
    stmts = split_sql(sql)
    assert [s.line for s in stmts] == [1, 2, 6]
    assert stmts[1].copy_data == "1\tx;y\n2\t'q\n" and stmts[1].copy_line == 3
    assert stmts[2].text == "select 1"


def test_copy_without_terminator_is_an_error():
    with pytest.raises(SQLError) as ei:
        split_sql("COPY t FROM stdin;\n1\n2\n")
    assert "not terminated" in ei.value.message and ei.value.line == 2
