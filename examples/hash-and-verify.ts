/**
 * Password hashing and access tokens in a few lines:   npm run example
 */
import {
  CryptContext,
  authenticateUser,
  createAccessToken,
  createMemoryUserStore,
  hashPassword,
  verifyAccessToken,
  verifyPassword,
} from '../src/index.js'; // 'gatehouse' in an app

// 1. The default policy: scrypt (OWASP: N=2^17, r=8, p=1) for new hashes.
const hash = await hashPassword('correct horse battery staple');
console.log('new hash:          ', hash);
console.log('right password:    ', await verifyPassword('correct horse battery staple', hash));
console.log('wrong password:    ', await verifyPassword('Tr0ub4dor&3', hash));

// 2. A context like the FastAPI seed's CryptContext(schemes=["bcrypt"], deprecated="auto"),
//    plus the legacy formats your users' hashes are in today.
const context = new CryptContext({
  schemes: ['bcrypt', 'pbkdf2_sha256', 'scrypt'],
  deprecated: 'auto',
  settings: { bcrypt: { rounds: 12 } },
});
// A hash made by passlib (a Flask or FastAPI app's database), password "secret".
const legacy = '$pbkdf2-sha256$1000$5jwH4NxbK8WYc8455/yfcw$JluUpokrIxVS9tusBtkOPAF2H39POSSD.NSFFI4jJMI';
console.log('identify:          ', context.identify(legacy));
console.log('needs an update:   ', context.needsUpdate(legacy));
const { valid, newHash } = await context.verifyAndUpdate('secret', legacy);
console.log('verifyAndUpdate:   ', valid, '->', newHash);

// 3. Login and tokens: the user store upgrades the outdated hash at the first good login.
const users = createMemoryUserStore({
  johndoe: { username: 'johndoe', full_name: 'John Doe', hashed_password: legacy, disabled: false },
});
const user = await authenticateUser(users, 'johndoe', 'secret', { context });
console.log('stored hash now:   ', (await users.findUser('johndoe'))?.hashed_password);

const key = '09d25e094faa6ca2556c818166b7a9563b93f7099f6f0f4caa6cf63b88e8d3e7'; // `gatehouse secret`
const token = await createAccessToken({ sub: user!.username, scope: 'me items' }, { key, expiresIn: '30m' });
console.log('access token:      ', token);
const claims = await verifyAccessToken(token, { key });
console.log('verified claims:   ', claims.sub, claims.scopes, new Date(claims.exp! * 1000).toISOString());
