-- Runs once, when the postgres container starts on an EMPTY data volume
-- (the image executes /docker-entrypoint-initdb.d/*.sql with psql as the
-- superuser). Creates the app's role and database and the role Temporal uses;
-- temporal-schema (docker-compose.yml) creates the databases `temporal` and
-- `temporal_visibility` with that role and owns them.
--
-- Passwords come from the container environment (psql \getenv, psql 15+);
-- if one is missing the variable stays unset, the statement fails and so
-- does the initialisation, instead of creating a role without a password.

\getenv valghalla_password VALGHALLA_DB_PASSWORD
\getenv temporal_password TEMPORAL_DB_PASSWORD

CREATE ROLE valghalla LOGIN PASSWORD :'valghalla_password';
CREATE DATABASE valghalla OWNER valghalla ENCODING 'UTF8' TEMPLATE template0;

-- CREATEDB so temporal-sql-tool create-database works; the visibility schema
-- also creates the btree_gin extension, which is "trusted" (a database owner
-- may create it without superuser).
CREATE ROLE temporal LOGIN CREATEDB PASSWORD :'temporal_password';
