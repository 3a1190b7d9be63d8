-- The search index takes each message's words as the message is committed. With GIN's default fastupdate=on, new
-- entries first go to a pending list, and the commit that finds that list past gin_pending_list_limit (4 MB) merges
-- all of it into the index before it returns: measured on the benchmark machine, one commit in about 40,000 short
-- messages took 270-290 ms, and every later send to its room waited behind it. Without the pending list each commit
-- pays for its own entries (the same median in that measurement), and no commit pays for thousands of others.
--
-- What is pending is merged first, while sends go on (the merge takes no lock that stops them); the ALTER's lock
-- stops them only for what came in meanwhile, merged by the second call.
SELECT gin_clean_pending_list('messages_search');
ALTER INDEX messages_search SET (fastupdate = off);
SELECT gin_clean_pending_list('messages_search');
