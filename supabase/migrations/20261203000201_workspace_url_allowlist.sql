-- Hosts whose URL deliverables the testing stage of this workspace's tasks may
-- fetch ("example.com", or "*.example.com" for its subdomains), on top of the
-- instance-wide TESTING_URL_ALLOWLIST. Empty by default: no URL passes until
-- someone names its host.
alter table workspaces add column url_allowlist text[] not null default '{}' check (cardinality(url_allowlist) <= 100);
