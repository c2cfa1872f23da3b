ALTER TABLE articles ADD FULLTEXT INDEX ft_articles_body (body);
