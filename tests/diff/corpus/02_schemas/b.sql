CREATE SCHEMA kept;
CREATE SCHEMA billing;
CREATE TABLE billing.invoice (id bigint PRIMARY KEY, total numeric(12,2) NOT NULL);
CREATE TABLE kept.note (id int, body text);
