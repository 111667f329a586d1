# Verbatim: the Discord bot, with the word vectors converted at build time so that a container
# starts in about a second. Mount the articles at /app/corpus and keep /app/data (the index) on
# a volume; see compose.yaml and the README's "Container" section.

# Build stage: dev dependencies, a C++ toolchain for hnswlib-node and better-sqlite3, the TypeScript build.
FROM node:20-bookworm-slim AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
# Scripts off so that `prepare` does not build before the sources are here; the native addons
# (hnswlib-node, better-sqlite3) are then compiled explicitly.
RUN npm ci --ignore-scripts && npm rebuild hnswlib-node better-sqlite3
COPY tsconfig.json tsconfig.build.json ./
COPY scripts ./scripts
COPY src ./src
COPY commands ./commands
RUN npm run build \
 && npm prune --omit=dev \
 && CACHE_DIR=/app/cache node dist/src/cli/vectors.js

# Run stage: production dependencies, the compiled code and the converted vectors only.
FROM node:20-bookworm-slim
ENV NODE_ENV=production \
    CACHE_DIR=/app/cache \
    CORPUS_DIR=/app/corpus \
    INDEX_DIR=/app/data/index \
    DATA_DIR=/app/data \
    HEALTH_PORT=8080
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/cache ./cache
COPY corpus ./corpus
RUN mkdir -p /app/data && chown node:node /app/data
USER node
VOLUME ["/app/data"]
# 503 while Discord is unreachable or no index is loaded yet (a first start builds it).
HEALTHCHECK --interval=30s --timeout=5s --start-period=120s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+process.env.HEALTH_PORT+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
# The bot bundled into one file (scripts/bundle.mjs) starts faster than dist/src/cli/start.js.
# Node itself is PID 1 (exec form, no shell): `docker stop`'s SIGTERM reaches the bot.
CMD ["node", "dist/bundle/start.js"]
