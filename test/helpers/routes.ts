/** Turns a route pattern into a requestable path: each `:param` becomes `<param>_does_not_exist`. */
export function concretePath(path: string): string {
  return path.replace(/:([A-Za-z]+)/g, (_, name) => `${name}_does_not_exist`);
}
