// The project's lint rules. The engine and the strategies are kept pure, so that simulated and
// live runs are the same code: no clocks, no global randomness, no timers, no promises, no Node
// built-ins (docs/ARCHITECTURE.md). Every exported symbol has a doc comment, and every property
// test its seed.
import jsdoc from 'eslint-plugin-jsdoc';
import tseslint from 'typescript-eslint';

const impureGlobals = [
  { name: 'Date', message: 'The engine and strategies take time as an argument.' },
  { name: 'performance', message: 'Wall-clock timing belongs in src/sim or src/cli.' },
  { name: 'setTimeout', message: 'Timers are commands the driver carries out.' },
  { name: 'setInterval', message: 'Timers are commands the driver carries out.' },
  { name: 'setImmediate', message: 'Timers are commands the driver carries out.' },
  { name: 'queueMicrotask', message: 'The engine is synchronous.' },
  { name: 'Promise', message: 'The engine is synchronous: no promises.' },
  { name: 'process', message: 'No I/O or environment access in the pure core.' },
  { name: 'require', message: 'No I/O in the pure core.' },
  { name: 'fetch', message: 'No I/O in the pure core.' },
];

/**
 * jsdoc/require-jsdoc sees a declaration as exported through an export list
 * (`const x = 1; export { x };`) only when it is a function, a class or a type alias, and it never
 * checks the members of an interface exported that way: a module's own declarations are exported
 * where they are declared, so that the doc-comment rule checks them all. A list may still pass on
 * what the module imports.
 */
const exportAtDeclaration = {
  meta: {
    type: 'suggestion',
    messages: { list: "Export '{{name}}' at its declaration, where the doc-comment rule checks it." },
    schema: [],
  },
  create(context) {
    return {
      'ExportNamedDeclaration[source=null]'(exportList) {
        const scope = context.sourceCode.getScope(exportList);
        for (const specifier of exportList.specifiers) {
          const definitions = scope.set.get(specifier.local.name)?.defs ?? [];
          if (definitions.some((definition) => definition.type !== 'ImportBinding')) {
            context.report({ node: specifier, messageId: 'list', data: { name: specifier.local.name } });
          }
        }
      },
    };
  },
};

/**
 * The lint: typescript-eslint's recommended rules, doc comments on exported symbols, seeds for
 * property tests, and the purity of the engine and the strategies.
 */
export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'reports/**'] },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // Every exported symbol has a doc comment, in the sources, benchmarks, tests, examples and
    // scripts alike: the declarations a module exports, the members of its exported interfaces and
    // object types, and the public members of its exported classes. Only that a comment exists and
    // is not empty is checked: parameters are described in prose where it helps, not with a tag on
    // each. A constructor is checked when it takes parameters (one without is described by its
    // class), and a setter when it has no getter (a pair is documented once, on the getter). The
    // fields of a union's variants are not checked: a variant is documented as a whole where it
    // needs it. The fixer is off: it would write empty comments, which jsdoc/no-blank-blocks refuses.
    files: ['**/*.ts', '**/*.mjs', '**/*.js'],
    plugins: { jsdoc, fleetsim: { rules: { 'export-at-declaration': exportAtDeclaration } } },
    rules: {
      'fleetsim/export-at-declaration': 'error',
      'jsdoc/no-blank-blocks': 'error',
      'jsdoc/require-jsdoc': [
        'error',
        {
          publicOnly: true,
          enableFixer: false,
          exemptEmptyConstructors: true,
          checkSetters: 'no-getter',
          require: { FunctionDeclaration: true, ClassDeclaration: true, MethodDefinition: true },
          contexts: [
            // A default-exported function or class is checked as a declaration above.
            'ExportDefaultDeclaration[declaration.type!=/^(FunctionDeclaration|ClassDeclaration)$/]',
            'ExportNamedDeclaration > VariableDeclaration',
            'ExportNamedDeclaration > TSInterfaceDeclaration',
            'ExportNamedDeclaration > TSTypeAliasDeclaration',
            'ExportNamedDeclaration > TSEnumDeclaration',
            'ExportNamedDeclaration > TSDeclareFunction',
            'TSInterfaceBody > TSPropertySignature',
            'TSInterfaceBody > TSMethodSignature',
            'TSTypeAliasDeclaration > TSTypeLiteral > TSPropertySignature',
            'TSTypeAliasDeclaration > TSTypeLiteral > TSMethodSignature',
            'ClassBody > PropertyDefinition',
            'ClassBody > TSAbstractPropertyDefinition',
            'ClassBody > TSAbstractMethodDefinition',
          ],
        },
      ],
    },
  },
  {
    // A property test runs the same cases every run: a failure in CI is then a failure on every
    // machine, replayed from the test's own seed rather than from a seed printed once.
    files: ['test/**/*.ts', 'bench/**/*.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: "CallExpression[callee.object.name='fc'][callee.property.name=/^(assert|check|sample|statistics)$/]:not(:has(Property[key.name='seed'])):not([arguments.1.type='Identifier'])",
          message: 'Give fast-check its seed ({ seed: N }): every run of a property test checks the same cases.',
        },
      ],
    },
  },
  {
    files: ['src/engine/**/*.ts', 'src/strategies/**/*.ts'],
    rules: {
      'no-restricted-globals': ['error', ...impureGlobals],
      'no-restricted-properties': [
        'error',
        { object: 'Math', property: 'random', message: 'Draw from the injected seeded generator.' },
        { object: 'globalThis', property: 'Date', message: 'The engine takes time as an argument.' },
      ],
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['node:*'], message: 'No Node built-ins (I/O) in the pure core.' },
            { group: ['fs', 'path', 'os', 'http', 'https', 'net', 'child_process', 'worker_threads', 'timers', 'timers/*'], message: 'No I/O in the pure core.' },
            { group: ['**/sim/**', '**/cli/**', '**/live/**', '**/metrics/**'], message: 'The core must not depend on its drivers.' },
          ],
        },
      ],
      'no-restricted-syntax': [
        'error',
        { selector: 'FunctionDeclaration[async=true], ArrowFunctionExpression[async=true], FunctionExpression[async=true]', message: 'The engine is synchronous: no async functions.' },
        { selector: 'AwaitExpression', message: 'The engine is synchronous: no await.' },
      ],
    },
  },
);
