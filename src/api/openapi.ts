/**
 * The OpenAPI 3.0 document of nym-api, served at `/openapi.json`. Schemas follow the JSON
 * the routes actually emit (the mixnet contract's structs, Nym's field names).
 */

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const arrayOf = (name: string) => ({ type: 'array', items: ref(name) });
const json = (schema: unknown, description = 'OK') => ({
  description,
  content: { 'application/json': { schema } },
});
const errorResponse = (description: string) => json(ref('Error'), description);

const cachedGet = (summary: string, schema: unknown, tag = 'contract-cache') => ({
  get: {
    tags: [tag],
    summary,
    parameters: [{ name: 'If-None-Match', in: 'header', required: false, schema: { type: 'string' } }],
    responses: {
      '200': { ...json(schema), headers: { ETag: { schema: { type: 'string' } } } },
      '304': { description: 'Not modified (the ETag matched)' },
      '503': errorResponse('The contract cache has not been populated yet'),
    },
  },
});

const key32 = { type: 'string', description: 'base58 of a 32-byte public key' };
const coin = {
  type: 'object',
  required: ['denom', 'amount'],
  properties: { denom: { type: 'string' }, amount: { type: 'string', pattern: '^[0-9]+$' } },
};
const port = { type: 'integer', minimum: 1, maximum: 65535 };

export function openApiDocument(version: string): Record<string, unknown> {
  return {
    openapi: '3.0.3',
    info: {
      title: 'Nymph nym-api',
      version,
      description:
        'Validator API of a Nymph network: a cache of the mixnet contract (topology) and Coconut ' +
        "bandwidth credential issuance. Shapes follow Nym's nym-api of the Coconut era.",
    },
    paths: {
      '/v1/mixnodes': cachedGet('All bonded mix nodes with their details', arrayOf('MixNodeDetails')),
      '/v1/mixnodes/detailed': cachedGet('All bonded mix nodes, annotated', arrayOf('MixNodeBondAnnotated')),
      '/v1/mixnodes/active': cachedGet('The active set, with layers', arrayOf('MixNodeDetails')),
      '/v1/mixnodes/rewarded': cachedGet('The rewarded set (active and standby)', arrayOf('MixNodeDetails')),
      '/v1/gateways': cachedGet('All bonded gateways', arrayOf('GatewayBond')),
      '/v1/epoch/current': cachedGet('The current interval and epoch', ref('Interval')),
      '/v1/topology': cachedGet(
        'The layered topology a client needs, in one request: the active mix nodes (each with its layer) and the gateways',
        ref('LayeredTopology'),
      ),
      '/v1/coconut/verification-key': {
        get: {
          tags: ['coconut'],
          summary: "This instance's verification key share",
          responses: {
            '200': json(ref('VerificationKeyResponse')),
            '404': errorResponse('This instance does not issue credentials'),
          },
        },
      },
      '/v1/coconut/bandwidth/blind-sign': {
        post: {
          tags: ['coconut'],
          summary: 'Blind-sign a bandwidth credential request backed by a deposit on the bandwidth contract',
          requestBody: {
            required: true,
            content: { 'application/json': { schema: ref('BlindSignRequestBody') } },
          },
          responses: {
            '200': json(ref('BlindedSignatureResponse')),
            '400': errorResponse(
              'Malformed body (invalid_request, malformed_json), failed deposit (deposit_failed), ' +
                'not a deposit (not_a_deposit), value mismatch (deposit_value_mismatch), ' +
                'inconsistent public attributes, invalid request proof (invalid_blind_sign_request)',
            ),
            '403': errorResponse('The signature does not verify under the deposit identity key'),
            '404': errorResponse('No such transaction (deposit_not_found) or coconut disabled'),
            '409': errorResponse('The deposit was already used at this instance (deposit_already_used)'),
            '413': errorResponse('Body too large (body_too_large)'),
            '415': errorResponse('Not application/json'),
            '502': errorResponse('The chain could not be reached'),
          },
        },
      },
      '/v1/coconut/bandwidth/verify-bandwidth-credential': {
        post: {
          tags: ['coconut'],
          summary: 'Verify a shown bandwidth credential and report whether its serial is spent on chain',
          requestBody: {
            required: true,
            content: { 'application/json': { schema: ref('VerifyCredentialBody') } },
          },
          responses: {
            '200': json(ref('VerifyCredentialResponse')),
            '400': errorResponse('Malformed body or credential'),
            '413': errorResponse('Body too large'),
          },
        },
      },
      '/health': {
        get: {
          tags: ['ops'],
          summary: 'Liveness and cache state',
          responses: { '200': json(ref('Health')) },
        },
      },
      '/metrics': {
        get: {
          tags: ['ops'],
          summary: 'Prometheus metrics',
          responses: {
            '200': { description: 'OK', content: { 'text/plain': { schema: { type: 'string' } } } },
          },
        },
      },
      '/openapi.json': {
        get: { tags: ['ops'], summary: 'This document', responses: { '200': json({ type: 'object' }) } },
      },
    },
    components: {
      schemas: {
        Error: {
          type: 'object',
          required: ['error'],
          properties: {
            error: {
              type: 'object',
              required: ['code', 'message'],
              properties: { code: { type: 'string' }, message: { type: 'string' } },
              additionalProperties: true,
            },
          },
        },
        Coin: coin,
        MixNode: {
          type: 'object',
          required: [
            'host',
            'mix_port',
            'verloc_port',
            'http_api_port',
            'sphinx_key',
            'identity_key',
            'version',
          ],
          properties: {
            host: { type: 'string' },
            mix_port: port,
            verloc_port: port,
            http_api_port: port,
            sphinx_key: key32,
            identity_key: key32,
            version: { type: 'string' },
          },
        },
        MixNodeBond: {
          type: 'object',
          required: [
            'mix_id',
            'owner',
            'original_pledge',
            'layer',
            'mix_node',
            'bonding_height',
            'is_unbonding',
          ],
          properties: {
            mix_id: { type: 'integer' },
            owner: { type: 'string' },
            original_pledge: ref('Coin'),
            layer: { type: 'integer', enum: [1, 2, 3] },
            mix_node: ref('MixNode'),
            proxy: { type: 'string', nullable: true },
            bonding_height: { type: 'integer' },
            is_unbonding: { type: 'boolean' },
          },
        },
        MixNodeDetails: {
          type: 'object',
          required: ['bond_information', 'rewarding_details'],
          properties: {
            bond_information: ref('MixNodeBond'),
            rewarding_details: {
              type: 'object',
              properties: {
                cost_params: {
                  type: 'object',
                  properties: {
                    profit_margin_percent: { type: 'string' },
                    interval_operating_cost: ref('Coin'),
                  },
                },
                operator: { type: 'string' },
                delegates: { type: 'string' },
                unique_delegations: { type: 'integer' },
              },
            },
          },
        },
        MixNodeBondAnnotated: {
          type: 'object',
          properties: {
            mixnode_details: ref('MixNodeDetails'),
            stake_saturation: { type: 'string' },
            uncapped_stake_saturation: { type: 'string' },
            performance: { type: 'string' },
            estimated_operator_apy: { type: 'string' },
            estimated_delegators_apy: { type: 'string' },
            family: { nullable: true },
          },
        },
        Gateway: {
          type: 'object',
          required: ['host', 'mix_port', 'clients_port', 'location', 'sphinx_key', 'identity_key', 'version'],
          properties: {
            host: { type: 'string' },
            mix_port: port,
            clients_port: port,
            location: { type: 'string' },
            sphinx_key: key32,
            identity_key: key32,
            version: { type: 'string' },
          },
        },
        GatewayBond: {
          type: 'object',
          required: ['pledge_amount', 'owner', 'block_height', 'gateway'],
          properties: {
            pledge_amount: ref('Coin'),
            owner: { type: 'string' },
            block_height: { type: 'integer' },
            gateway: ref('Gateway'),
            proxy: { type: 'string', nullable: true },
          },
        },
        Interval: {
          type: 'object',
          properties: {
            id: { type: 'integer' },
            epochs_in_interval: { type: 'integer' },
            current_epoch_start: { type: 'string', format: 'date-time' },
            current_epoch_id: { type: 'integer' },
            epoch_length: {
              type: 'object',
              properties: { secs: { type: 'integer' }, nanos: { type: 'integer' } },
            },
            total_elapsed_epochs: { type: 'integer' },
          },
        },
        LayeredTopology: {
          type: 'object',
          required: ['interval_id', 'epoch_id', 'mixnodes', 'gateways'],
          properties: {
            interval_id: { type: 'integer' },
            epoch_id: { type: 'integer' },
            mixnodes: {
              ...arrayOf('MixNodeBond'),
              description: 'The active set; each bond carries its layer',
            },
            gateways: arrayOf('GatewayBond'),
          },
        },
        VerificationKeyResponse: {
          type: 'object',
          required: ['key', 'index', 'threshold', 'authorities', 'attributes'],
          properties: {
            key: { type: 'string', description: 'base58 verification key share' },
            index: { type: 'integer', description: 'Shamir share index (1..n)' },
            threshold: { type: 'integer' },
            authorities: { type: 'integer' },
            attributes: { type: 'integer' },
          },
        },
        BlindSignRequestBody: {
          type: 'object',
          additionalProperties: false,
          required: [
            'blind_sign_request',
            'tx_hash',
            'signature',
            'public_attributes',
            'public_attributes_plain',
            'total_params',
          ],
          properties: {
            blind_sign_request: { type: 'string', description: 'base58 Coconut blind-sign request' },
            tx_hash: {
              type: 'string',
              pattern: '^[0-9A-Fa-f]{64}$',
              description: 'deposit transaction hash',
            },
            signature: {
              type: 'string',
              description:
                'base58 ed25519 signature by the deposit identity key over request bytes ‖ tx_hash',
            },
            public_attributes: { type: 'array', items: { type: 'string' }, description: 'base58 scalars' },
            public_attributes_plain: {
              type: 'array',
              items: { type: 'string' },
              description: '[voucher value, voucher info]',
            },
            total_params: { type: 'integer', minimum: 2 },
          },
        },
        BlindedSignatureResponse: {
          type: 'object',
          required: ['remote_key', 'encrypted_signature'],
          properties: {
            remote_key: { type: 'string', description: 'base58 x25519 ephemeral public key' },
            encrypted_signature: {
              type: 'string',
              description: 'base58 ChaCha20-Poly1305 ciphertext of the blinded signature share',
            },
          },
        },
        VerifyCredentialBody: {
          type: 'object',
          additionalProperties: false,
          required: ['credential'],
          properties: {
            credential: {
              type: 'object',
              required: ['n_params', 'theta', 'voucher_value', 'voucher_info'],
              properties: {
                n_params: { type: 'integer' },
                theta: { type: 'string', description: 'base58 Coconut theta' },
                voucher_value: { type: 'string' },
                voucher_info: { type: 'string' },
              },
            },
          },
        },
        VerifyCredentialResponse: {
          type: 'object',
          required: ['verification_result', 'blinded_serial_number', 'spent'],
          properties: {
            verification_result: { type: 'boolean' },
            blinded_serial_number: { type: 'string' },
            spent: { type: 'boolean' },
          },
        },
        Health: {
          type: 'object',
          properties: {
            status: { type: 'string', enum: ['ok', 'starting', 'degraded'] },
            uptime_seconds: { type: 'number' },
            cache: { type: 'object' },
            coconut: { type: 'object', nullable: true },
          },
        },
      },
    },
  };
}
