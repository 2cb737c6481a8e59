import type { Engine } from './engine.js'

// Other entry points of the package reach an instance's engine through its
// public facade here; nothing internal is a property of the facade.
const engines = new WeakMap<object, Engine>()

export function bindEngine (facade: object, engine: Engine): void {
  engines.set(facade, engine)
}

export function engineOf (facade: object): Engine | undefined {
  return engines.get(facade)
}
