-- Like the other membership-checking helpers, contact_page_ids is executable by service_role too.
grant execute on function private.contact_page_ids(uuid, text, text, text, text[], boolean, timestamptz, uuid, integer) to service_role;
