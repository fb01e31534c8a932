CREATE SCHEMA "Sales Dept";
CREATE TYPE "Sales Dept"."Kind" AS ENUM ('A', 'b''s', 'C "quoted"');
CREATE TABLE "Sales Dept"."Order" ("Id" int PRIMARY KEY, "select" varchar(40), "Kind" "Sales Dept"."Kind" DEFAULT 'A', "user" text);
CREATE INDEX "Order Kind Idx" ON "Sales Dept"."Order" ("Kind");
COMMENT ON COLUMN "Sales Dept"."Order"."select" IS 'a reserved word';
CREATE VIEW "Sales Dept"."Big Orders" AS SELECT "Id" FROM "Sales Dept"."Order" WHERE "select" <> '';
