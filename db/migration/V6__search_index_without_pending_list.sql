-- The search index takes each message's words as the message is committed. With GIN's default fastupdate=on, new
-- entries first go to a pending list, and the commit that finds that list past gin_pending_list_limit (4 MB) merges
-- all of it into the index before it returns: measured here, one commit in about 40,000 short messages took 300 ms,
-- and every later send to its room waited behind it. Without the pending list each commit pays for its own entries
-- (no slower at the median in the same measurement), and no commit pays for thousands of others.
ALTER INDEX messages_search SET (fastupdate = off);
-- entries already pending are merged now, once, rather than by a later commit
SELECT gin_clean_pending_list('messages_search');
