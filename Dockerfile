# The ffly API image: GraphQL, the worker endpoints and the worker-pool scheduler. No ffmpeg here (the
# workers have it). Build from the repository root; `fly deploy` does, with fly.toml.
FROM node:22-bookworm-slim

WORKDIR /app
ENV NODE_ENV=production

COPY package.json package-lock.json ./
# Optional dependencies are the embedded PostgreSQL and the npm-shipped ffmpeg: a deployed API uses
# DATABASE_URL and never transcodes. tsx stays (a runtime dependency): the API runs from its sources.
RUN npm ci --omit=dev --omit=optional --no-audit --no-fund && npm cache clean --force

COPY tsconfig.json ./
COPY protocol/ ./protocol/
COPY drizzle/ ./drizzle/
COPY src/ ./src/

ENV HOST=0.0.0.0 \
    PORT=8080
EXPOSE 8080
USER node
# Fly's init forwards the stop signal (kill_signal in fly.toml) to node: src/main.ts drains and exits.
CMD ["node", "--import", "tsx", "src/main.ts"]
