"""PostgreSQL engine: binaries, clusters, branching, diff, migrations, seeding."""
