/** Inputs of team management. */
import { z } from "zod";

export const CreateTeamInput = z.object({ name: z.string().trim().min(1).max(100) });
export const TeamRef = z.object({ teamId: z.string().min(1) });
export const TeamMemberInput = z.object({ teamId: z.string().min(1), userId: z.string().min(1) });
