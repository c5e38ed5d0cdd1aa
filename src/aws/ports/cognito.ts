import type {
  CreateUserPoolClientCommandInput,
  CreateUserPoolCommandInput,
  UpdateUserPoolClientCommandInput,
  UpdateUserPoolCommandInput,
  UserPoolClientType,
  UserPoolType,
} from '@aws-sdk/client-cognito-identity-provider';
import { call, callIgnoringAbsent, callOrAbsent } from '../aws-errors.js';
import type { AwsClients } from '../clients.js';
import { sdk } from '../sdk.js';

/** What a create answered, and how many attempts the SDK needed (more than one: a twin may exist). */
export interface Created<T> {
  value: T | undefined;
  attempts: number;
}

/** The Cognito user pool operations the steps use, with AWS's errors mapped to the user's. */
export interface CognitoPort {
  /** Undefined when there is no such pool. */
  describeUserPool(userPoolId: string): Promise<UserPoolType | undefined>;
  /** Ids of the account's pools (this region) with this name. */
  userPoolIdsNamed(name: string): Promise<string[]>;
  createUserPool(input: CreateUserPoolCommandInput): Promise<Created<UserPoolType>>;
  updateUserPool(input: UpdateUserPoolCommandInput): Promise<void>;
  /** Already deleted is success. */
  deleteUserPool(userPoolId: string): Promise<void>;
  /** Undefined when there is no such client (or pool). */
  describeUserPoolClient(userPoolId: string, clientId: string): Promise<UserPoolClientType | undefined>;
  /** Ids of the pool's clients with this name; none when the pool itself is gone. */
  userPoolClientIdsNamed(userPoolId: string, name: string): Promise<string[]>;
  createUserPoolClient(input: CreateUserPoolClientCommandInput): Promise<Created<UserPoolClientType>>;
  updateUserPoolClient(input: UpdateUserPoolClientCommandInput): Promise<void>;
  /** Already deleted is success. */
  deleteUserPoolClient(userPoolId: string | undefined, clientId: string | undefined): Promise<void>;
}

export function cognitoPort(aws: AwsClients): CognitoPort {
  const api = () => sdk('@aws-sdk/client-cognito-identity-provider');
  return {
    async describeUserPool(UserPoolId) {
      const cognito = await aws.cognito();
      const out = await callOrAbsent('cognito-idp:DescribeUserPool', UserPoolId, () =>
        cognito.send(new (api().DescribeUserPoolCommand)({ UserPoolId })),
      );
      return out?.UserPool;
    },
    async userPoolIdsNamed(name) {
      const cognito = await aws.cognito();
      const ids: string[] = [];
      const pages = api().paginateListUserPools({ client: cognito, pageSize: 60 }, { MaxResults: 60 });
      await call('cognito-idp:ListUserPools', undefined, async () => {
        for await (const page of pages) {
          for (const p of page.UserPools ?? []) if (p.Name === name && p.Id) ids.push(p.Id);
        }
      });
      return ids;
    },
    async createUserPool(input) {
      const cognito = await aws.cognito();
      const out = await call('cognito-idp:CreateUserPool', input.PoolName, () => cognito.send(new (api().CreateUserPoolCommand)(input)));
      return { value: out.UserPool, attempts: out.$metadata.attempts ?? 1 };
    },
    async updateUserPool(input) {
      const cognito = await aws.cognito();
      await call('cognito-idp:UpdateUserPool', input.UserPoolId, () => cognito.send(new (api().UpdateUserPoolCommand)(input)));
    },
    async deleteUserPool(UserPoolId) {
      const cognito = await aws.cognito();
      await callIgnoringAbsent('cognito-idp:DeleteUserPool', UserPoolId, () =>
        cognito.send(new (api().DeleteUserPoolCommand)({ UserPoolId })),
      );
    },
    async describeUserPoolClient(UserPoolId, ClientId) {
      const cognito = await aws.cognito();
      const out = await callOrAbsent('cognito-idp:DescribeUserPoolClient', ClientId, () =>
        cognito.send(new (api().DescribeUserPoolClientCommand)({ UserPoolId, ClientId })),
      );
      return out?.UserPoolClient;
    },
    async userPoolClientIdsNamed(UserPoolId, name) {
      const cognito = await aws.cognito();
      const matches: string[] = [];
      // The pool itself may be gone (a teardown killed after deleting it): then so are its clients.
      await callOrAbsent('cognito-idp:ListUserPoolClients', UserPoolId, async () => {
        for await (const page of api().paginateListUserPoolClients({ client: cognito, pageSize: 60 }, { UserPoolId, MaxResults: 60 })) {
          for (const c of page.UserPoolClients ?? []) if (c.ClientName === name && c.ClientId) matches.push(c.ClientId);
        }
      });
      return matches;
    },
    async createUserPoolClient(input) {
      const cognito = await aws.cognito();
      const out = await call('cognito-idp:CreateUserPoolClient', input.ClientName, () =>
        cognito.send(new (api().CreateUserPoolClientCommand)(input)),
      );
      return { value: out.UserPoolClient, attempts: out.$metadata.attempts ?? 1 };
    },
    async updateUserPoolClient(input) {
      const cognito = await aws.cognito();
      await call('cognito-idp:UpdateUserPoolClient', input.ClientId, () => cognito.send(new (api().UpdateUserPoolClientCommand)(input)));
    },
    async deleteUserPoolClient(UserPoolId, ClientId) {
      const cognito = await aws.cognito();
      await callIgnoringAbsent('cognito-idp:DeleteUserPoolClient', ClientId, () =>
        cognito.send(new (api().DeleteUserPoolClientCommand)({ UserPoolId, ClientId })),
      );
    },
  };
}
