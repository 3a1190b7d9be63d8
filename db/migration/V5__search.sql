-- Full-text search over message content (GET /api/search). The 'simple' configuration lower-cases words and keeps
-- them whole: no stemming and no stop words of one language, so it finds words of every language alike. Queries
-- must use exactly this expression, to_tsvector('simple', content), or PostgreSQL cannot use the index. Deleted
-- messages have empty content and so no entry here.
CREATE INDEX messages_search ON messages USING gin (to_tsvector('simple', content));
