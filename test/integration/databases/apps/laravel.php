<?php
// Laravel's side of the shared users table, through Debian's php-laravel-framework (Illuminate 8):
// Capsule for the database, Schema for Laravel's default users migration, BcryptHasher (Laravel's
// Hash facade) and DatabaseUserProvider (what Auth::attempt asks for the user and the password).
// Usage: php laravel.php '{"db": {...}, "do": "migrate|create|check|attempt|set-password|row|schema", ...}'
require '/usr/share/php/Illuminate/autoload.php';

use Illuminate\Auth\DatabaseUserProvider;
use Illuminate\Database\Capsule\Manager as Capsule;
use Illuminate\Database\Schema\Blueprint;
use Illuminate\Hashing\BcryptHasher;

$in = json_decode($argv[1], true);
$capsule = new Capsule();
$capsule->addConnection($in['db']);
$capsule->setAsGlobal();
$db = $capsule->getConnection();
$hasher = new BcryptHasher(['rounds' => $in['rounds'] ?? 10]);
$provider = new DatabaseUserProvider($db, $hasher, 'users');
$out = null;

switch ($in['do']) {
  case 'migrate': // database/migrations/2014_10_12_000000_create_users_table.php
    Capsule::schema()->create('users', function (Blueprint $table) {
      $table->id();
      $table->string('name');
      $table->string('email')->unique();
      $table->timestamp('email_verified_at')->nullable();
      $table->string('password');
      $table->rememberToken();
      $table->timestamps();
    });
    break;
  case 'create': // as RegisteredUserController does
    $now = date('Y-m-d H:i:s');
    $db->table('users')->insert(['name' => $in['name'], 'email' => $in['email'], 'password' => $hasher->make($in['password']), 'created_at' => $now, 'updated_at' => $now]);
    break;
  case 'set-password':
    $db->table('users')->where('email', $in['email'])->update(['password' => $hasher->make($in['password'])]);
    break;
  case 'check': // Hash::check on the stored hash
    $row = $db->table('users')->where('email', $in['email'])->first();
    $out = $row !== null && $hasher->check($in['password'], $row->password);
    break;
  case 'attempt': // Auth::attempt(['email' => ..., 'password' => ...]): the provider's two steps
    $user = $provider->retrieveByCredentials(['email' => $in['email'], 'password' => $in['password']]);
    $out = $user !== null && $provider->validateCredentials($user, ['password' => $in['password']]);
    break;
  case 'row':
    $out = (array) $db->table('users')->where('email', $in['email'])->first();
    break;
  case 'schema':
    $out = $db->getDriverName() === 'sqlite'
      ? $db->select("SELECT sql FROM sqlite_master WHERE tbl_name = 'users' ORDER BY name")
      : $db->select('SHOW CREATE TABLE users');
    break;
}
echo json_encode($out);
