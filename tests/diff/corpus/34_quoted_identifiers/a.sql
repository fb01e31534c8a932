CREATE SCHEMA "Sales Dept";
CREATE TABLE "Sales Dept"."Order" ("Id" int PRIMARY KEY, "select" text, "Total Amount" numeric);
CREATE TYPE "Sales Dept"."Kind" AS ENUM ('A', 'b''s');
