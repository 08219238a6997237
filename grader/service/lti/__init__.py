"""LTI 1.3 Advantage, this service as a *tool* that an LMS (Canvas, Moodle, Blackboard,
Brightspace) launches.

- ``keys``: this tool's RS256 keys (in the database; ``grader lti keys``), served as a JWKS.
- ``launch``: OIDC login initiation (``/lti/login``) and the launch (``/lti/launch``): the
  platform's id_token is verified with PyJWT against the platform's JWKS (signature,
  issuer, audience, expiry, issued-at), its nonce against the login's, the login's state
  against this browser's cookie; the LMS course becomes one of our courses, the LMS user an
  account enrolled with their LMS role, and the browser is signed in.
- ``client``: OAuth 2 client-credentials tokens (a JWT assertion signed with our key),
  Assignment and Grade Services (line items, scores) and Names and Role Provisioning.
- ``passback``: the sender of queued scores (``store.lti``'s outbox), with retries.
- ``roster``: roster sync from NRPS.
- ``routes``, ``cli``: the HTTP endpoints and ``grader lti`` commands.
"""
