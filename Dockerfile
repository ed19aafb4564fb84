# Multi-stage build: compile TypeScript, then run on a slim Node 20 image as a non-root user.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY cache ./cache
COPY workers ./workers
COPY tools ./tools
# dist/src (server and CLI), dist/cache, dist/workers (the render threads, found next to dist/src).
RUN npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production HOST=0.0.0.0 PORT=3000
# Runtime dependencies only: the native Skia, sharp and fontnik binaries, and maplibre-gl and
# proj4, whose browser builds the viewer serves from node_modules.
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# package.json: "type": "module" for dist's .js files.
COPY package.json ./
# What the engine reads from its working directory: config/sodertorn.yaml, the embedded demo
# files, the styles with their icons, the fonts glyphs are made from, the viewer's page.
COPY config ./config
COPY data ./data
COPY styles ./styles
COPY fonts ./fonts
COPY viewer ./viewer
# The code stays root-owned and read-only to the engine; var/ is its one writable folder
# (cache.disk.dir var/tile-cache, seed state files).
RUN mkdir -p var && chown node:node var
USER node
EXPOSE 3000
# Ready, not just alive: database reachable, styles loaded, render threads up, cache following the change log.
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/ready').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
CMD ["node", "dist/src/main.js"]
