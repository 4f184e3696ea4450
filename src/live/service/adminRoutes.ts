/**
 * `POST /v1/admin`: an operator's action on the running fleet (the scenario `operations`, plus
 * pausing and resuming one task).
 */
import type { FastifyInstance } from 'fastify';
import type { AdminOperation } from '../../engine/messages.js';
import { adminBody, parseRequest, refuseQuery, type AdminBody } from './bodies.js';
import { durable, type ServiceContext } from './context.js';
import { register } from './agentRoutes.js';
import { HttpError } from './httpError.js';
import { guarded } from './taskRoutes.js';

/** Registers the admin route. */
export function adminRoutes(app: FastifyInstance, context: ServiceContext): void {
  app.post('/v1/admin', async (request, reply) => {
    context.auth.check(request.headers.authorization, { kind: 'admin' });
    refuseQuery(request.query);
    const body = parseRequest(adminBody, request.body, 'body');
    const result = apply(context, body);
    await durable(context);
    return reply.code(result.status).send(result.body);
  });
}

function apply(context: ServiceContext, body: AdminBody): { readonly status: number; readonly body: object } {
  const { driver, agents } = context;
  const inFleet = (agentId: string): string => {
    const agent = agents.agent(agentId);
    if (agent === undefined || !agent.inFleet) throw new HttpError(404, `body.agentId: agent ${agentId} is not in the fleet`);
    return agent.engineId;
  };
  /** Whether the task is still live (a settled one is left alone); 404 when it is unknown. */
  const liveTask = (taskId: string): boolean => {
    if (context.tasks.get(taskId) === undefined) throw new HttpError(404, `body.taskId: no task ${taskId}`);
    return driver.engine.task(taskId) !== undefined;
  };
  const operate = (operation: AdminOperation): void => guarded(() => driver.admin(operation));
  switch (body.op) {
    case 'add': {
      const registration = register(context, body.agent);
      return { status: registration.status, body: { op: body.op, ...registration.body } };
    }
    case 'remove':
      guarded(() => driver.agentLeft(inFleet(body.agentId)));
      break;
    case 'drain':
      operate({ op: 'drain', agentId: inFleet(body.agentId) });
      break;
    case 'pause-type':
    case 'resume-type':
      operate({ op: body.op, type: body.type });
      break;
    case 'set-priority': {
      if (body.taskId !== undefined) {
        if (liveTask(body.taskId)) operate({ op: 'set-priority', taskId: body.taskId, priority: body.priority });
        break;
      }
      // By type, as a scenario operation does: every queued task of the type, in submission order.
      const queued = [...driver.engine.liveTasks()].filter((task) => task.state === 'queued' && task.spec.type === body.type).sort((a, b) => a.seq - b.seq);
      const ids = queued.map((task) => task.spec.id);
      guarded(() => driver.batch(() => {
        for (const taskId of ids) driver.admin({ op: 'set-priority', taskId, priority: body.priority });
      }));
      return { status: 200, body: { op: body.op, tasks: ids.length } };
    }
    case 'pause':
    case 'resume':
      if (liveTask(body.taskId)) operate({ op: body.op, taskId: body.taskId });
      break;
    default: {
      const unreachable: never = body;
      throw new Error(`unknown admin operation ${JSON.stringify(unreachable)}`);
    }
  }
  return { status: 200, body: { op: body.op } };
}
