/**
 * Vitest setup: fast-check generates up to the bounds a property states. By default an array
 * given only `maxLength` is generated at the "small" size (at most ~10 elements, whatever the
 * bound), so a property over "up to 200 operations" would never see more than ten.
 */
import fc from 'fast-check';

fc.configureGlobal({ defaultSizeToMaxWhenMaxSpecified: true });
