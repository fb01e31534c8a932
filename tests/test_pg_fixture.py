import psycopg


def test_fresh_database_is_pg18_and_isolated(pg_db):
    with psycopg.connect(pg_db) as c:
        assert c.info.server_version >= 180000
        c.execute("create table t(x int)")
        c.execute("insert into t values (1)")
        assert c.execute("select count(*) from t").fetchone()[0] == 1
