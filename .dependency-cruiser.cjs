/**
 * The layers of the code base and the direction their imports run, checked in `npm test`
 * (`npm run check:layers`). From the bottom up:
 *
 *   src/core, src/grids, src/errors.ts, src/config/schema.ts   pure: tile math, formats, SQL quoting, types
 *   cache/                                                     tiers, tiered cache, producer, invalidation, seeding plans, purging
 *   src/{sources,render,styles,fonts,access,admission,ows,documents,print,pipeline}   the engine's parts
 *   src/http                                                   serving: routes adapt HTTP to the parts
 *   src/app.ts, main.ts, serve.ts, cli.ts, seed-command.ts     wiring and entry points
 *   workers/                                                   the render thread and the code only it runs
 *   tools/                                                     the demo-data generator and the render suite (never loaded by the engine)
 */
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'core-is-pure',
      comment: 'The pure core imports nothing of the engine above it, and no I/O.',
      severity: 'error',
      from: { path: '^src/(core|grids)/' },
      to: { path: '^(src/(?!core/|grids/|errors\\.ts$)|cache/|workers/|tools/)|^(pg|redis|sharp|piscina|pino)$', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'core-no-node-io',
      comment: 'Pure modules use no node: built-ins.',
      severity: 'error',
      from: { path: '^src/(core|grids)/' },
      to: { dependencyTypes: ['core'] },
    },
    {
      name: 'cache-below-the-engine',
      comment: 'The cache layer imports from src/ only the pure core (and the config types).',
      severity: 'error',
      from: { path: '^cache/' },
      to: { path: '^src/', pathNot: '^src/(core/|grids/|errors\\.ts$|config/schema\\.ts$)' },
    },
    {
      name: 'cache-not-threads-or-tools',
      severity: 'error',
      from: { path: '^cache/' },
      to: { path: '^(workers|tools)/' },
    },
    {
      name: 'parts-below-serving',
      comment: 'The engine\'s parts never reach up into HTTP or the wiring.',
      severity: 'error',
      from: { path: '^src/(core|grids|config|sources|render|styles|fonts|access|admission|ows|print|pipeline|documents)/' },
      to: { path: '^src/(http/|app\\.ts$|main\\.ts$|serve\\.ts$|cli\\.ts$|seed-command\\.ts$)' },
    },
    {
      name: 'engine-never-loads-tools',
      comment: 'Only the command line reaches the demo generator (generate-demo, load).',
      severity: 'error',
      from: { path: '^(src|cache|workers)/', pathNot: '^src/cli\\.ts$' },
      to: { path: '^tools/' },
    },
    {
      name: 'demo-generator-stands-alone',
      severity: 'error',
      from: { path: '^tools/demo/' },
      to: { path: '^(src|cache|workers)/' },
    },
    {
      name: 'main-thread-never-imports-thread-code',
      comment: 'The render thread is started by file name; its code is loaded only there (types excepted).',
      severity: 'error',
      from: { path: '^(src|cache)/' },
      to: { path: '^workers/', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'threads-below-serving',
      severity: 'error',
      from: { path: '^workers/' },
      to: { path: '^src/(http/|app\\.ts$|main\\.ts$|serve\\.ts$|cli\\.ts$|pipeline/)' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    includeOnly: '^(src|cache|workers|tools)/',
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js'] },
  },
};
