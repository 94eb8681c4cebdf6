import type { GraphiQLOptions } from 'graphql-yoga';

let page: Promise<string> | null = null;

/**
 * GraphiQL as one self-contained page: `@graphql-yoga/render-graphiql` inlines the editor's scripts,
 * styles and web workers, so the playground works with no internet (yoga's default loads them from a
 * CDN and shows a blank "Loading..." offline or behind a firewall). The module is 9 MB of JavaScript:
 * loaded on the first visit rather than at start, and the page rendered once (its options never change).
 */
export function renderOfflineGraphiQL(options: GraphiQLOptions): Promise<string> {
  page ??= import('@graphql-yoga/render-graphiql').then(({ renderGraphiQL }) => renderGraphiQL(options));
  return page;
}
