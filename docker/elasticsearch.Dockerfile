# Elasticsearch 8 with the analysis-icu plugin (ICU word segmentation for Lao and Nepali, ICU
# folding). Helpcenter works without the plugin too (standard tokenizer, ASCII folding; Lao is
# segmented by the application), and logs which one it found at startup.
# Match ES_VERSION to the major version of the `elasticsearch` client pinned in requirements.txt (8).
ARG ES_VERSION=8.19.3
FROM docker.elastic.co/elasticsearch/elasticsearch:${ES_VERSION}
RUN bin/elasticsearch-plugin install --batch analysis-icu
