# The ffly API image: GraphQL, the worker endpoints and the worker-pool scheduler. No ffmpeg here (the
# workers have it). Build from the repository root; `fly deploy` does, with fly.toml.

# Build stage: esbuild bundles the TypeScript into dist/ (`npm run build`); nothing is compiled at run time.
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
# Optional dependencies are the embedded PostgreSQL, the npm-shipped ffmpeg and Node (the image has Node 24).
RUN npm ci --omit=optional --no-audit --no-fund
COPY tsconfig.json ./
COPY scripts/build.ts scripts/api-build-options.ts ./scripts/
COPY protocol/ ./protocol/
COPY src/ ./src/
COPY transcoder/src/ ./transcoder/src/
COPY transcoder/build-options.json ./transcoder/
RUN npm run build

FROM node:24-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json .npmrc ./
# A deployed API uses DATABASE_URL and never transcodes: no optional dependencies.
RUN npm ci --omit=dev --omit=optional --no-audit --no-fund && npm cache clean --force
# The bundles find the migrations and the web page's files beside them, as in the repository.
COPY drizzle/ ./drizzle/
COPY src/web/ ./src/web/
COPY --from=build /app/dist/ ./dist/

ENV HOST=0.0.0.0 \
    PORT=8080
EXPOSE 8080
USER node
# Fly's init forwards the stop signal (kill_signal in fly.toml) to node: the API drains and exits.
CMD ["node", "dist/main.mjs"]
