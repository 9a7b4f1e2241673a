<?php
// WordPress's side of the shared wp_users table: Debian's wordpress (6.1, /usr/share/wordpress)
// loaded from the PHP CLI for a test host (its config file, /etc/wordpress/config-<host>.php, is
// written by the test), on the test's MariaDB through php-mysql.
// Usage: php wordpress.php HOST '{"do": "install|create|authenticate|set-password|row|schema|db-version", ...}'
$_SERVER['HTTP_HOST'] = $argv[1];
$_SERVER['REQUEST_URI'] = '/';
$_SERVER['SERVER_PROTOCOL'] = 'HTTP/1.1';
$in = json_decode($argv[2], true);
if ($in['do'] === 'install') define('WP_INSTALLING', true);
ob_start(); // WordPress may print (install notices); only the answer goes out
require '/usr/share/wordpress/wp-load.php';
global $wpdb;
$out = null;

switch ($in['do']) {
  case 'install':
    require_once ABSPATH . 'wp-admin/includes/upgrade.php';
    $result = wp_install('gatehouse test', $in['login'], $in['email'], true, '', wp_slash($in['password']));
    $out = ['user_id' => $result['user_id'], 'db_version' => get_option('db_version')];
    break;
  case 'create': // as the admin's Users > Add New does (wp_insert_user hashes with wp_hash_password)
    $id = wp_insert_user(['user_login' => $in['login'], 'user_pass' => $in['password'], 'user_email' => $in['email'], 'display_name' => $in['name'] ?? '']);
    if (is_wp_error($id)) throw new Exception($id->get_error_message());
    $out = $id;
    break;
  case 'authenticate': // the login form's check: username or email, then the password
    $user = wp_authenticate($in['login'], $in['password']);
    $out = is_wp_error($user) ? ['ok' => false, 'error' => $user->get_error_code()] : ['ok' => true, 'login' => $user->user_login];
    break;
  case 'set-password':
    $user = get_user_by('login', $in['login']);
    wp_set_password($in['password'], $user->ID);
    break;
  case 'row':
    $out = $wpdb->get_row($wpdb->prepare("SELECT * FROM {$wpdb->users} WHERE user_login = %s", $in['login']), ARRAY_A);
    break;
  case 'schema':
    // The table definitions, without the AUTO_INCREMENT counter (which every insert moves).
    $out = array_map(fn ($table) => preg_replace('/ AUTO_INCREMENT=\d+/', '', $wpdb->get_row("SHOW CREATE TABLE $table", ARRAY_N)[1]), [$wpdb->users, $wpdb->options]);
    break;
  case 'db-version':
    update_option('db_version', (string) $in['version']);
    $out = get_option('db_version');
    break;
}
ob_end_clean();
echo json_encode($out);
