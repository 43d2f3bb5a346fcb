import { createContext, useContext } from 'react';
import type { Handler, Me, PublicProject } from '../api/types';

export type Team = {
  me: Me;
  /** Projects the signed-in member has a role on, with their public policy. */
  projects: PublicProject[];
  handlers: Map<string, Handler>;
  handlersByProject: Record<string, Handler[]>;
  projectBySlug: (slug: string) => PublicProject | undefined;
};

export const TeamContext = createContext<Team | null>(null);

export function useTeam(): Team {
  const team = useContext(TeamContext);
  if (!team) throw new Error('useTeam outside the team desk');
  return team;
}

export function handlerName(team: Team, id: string | null): string {
  if (!id) return 'Unassigned';
  if (id === team.me.id) return 'You';
  const handler = team.handlers.get(id);
  return handler ? (handler.displayName ?? handler.email) : 'Someone else';
}
