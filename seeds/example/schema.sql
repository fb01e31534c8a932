-- Example project schema for `stackyard db seed --generate seeds/example.yaml`.
-- Five FK-linked tables, an enum, a unique email, CHECK constraints, a nullable FK cycle
-- (organizations.owner_id ↔ users.organization_id) and a self-reference (tasks.parent_id).

CREATE TYPE task_status AS ENUM ('todo', 'in_progress', 'review', 'done', 'cancelled');

CREATE TABLE organizations (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name        text NOT NULL,
    slug        text NOT NULL UNIQUE,
    plan        text NOT NULL DEFAULT 'free' CHECK (plan IN ('free', 'team', 'enterprise')),
    owner_id    bigint,                       -- → users.id, filled in a second pass
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE users (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    organization_id bigint NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    email           text NOT NULL UNIQUE,
    first_name      text NOT NULL,
    last_name       text NOT NULL,
    phone           text,
    is_admin        boolean NOT NULL DEFAULT false,
    created_at      timestamptz NOT NULL DEFAULT now()
);

ALTER TABLE organizations
    ADD CONSTRAINT organizations_owner_fk FOREIGN KEY (owner_id) REFERENCES users (id);

CREATE TABLE projects (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    organization_id bigint NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    name            varchar(120) NOT NULL,
    description     text,
    budget          numeric(12, 2) NOT NULL CHECK (budget >= 0),
    starts_on       date NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (organization_id, name)
);

CREATE TABLE tasks (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    project_id  uuid NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    parent_id   bigint REFERENCES tasks (id),
    assignee_id bigint REFERENCES users (id),
    title       text NOT NULL,
    status      task_status NOT NULL,
    priority    smallint NOT NULL CHECK (priority BETWEEN 1 AND 5),
    estimate_h  numeric(6, 1),
    due_date    date,
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE comments (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    task_id    bigint NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
    author_id  bigint NOT NULL REFERENCES users (id),
    body       text NOT NULL CHECK (char_length(body) > 0),
    metadata   jsonb,
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX ON users (organization_id);
CREATE INDEX ON projects (organization_id);
CREATE INDEX ON tasks (project_id);
CREATE INDEX ON comments (task_id);
